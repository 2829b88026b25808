"""Flow files: every shipped flow loads, and broken ones fail with the file and step named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.journeys import FlowError, load_flow, load_flows
from assistant.journeys.catalog import load_messages, load_products
from assistant.journeys.spec import ConfirmStep, ExecuteStep, RiskScreenStep

pytestmark = pytest.mark.unit

EXPECTED = {
    "booking_branch",
    "scan_counter",
    "self_service_remote",
    "acceptance_remote",
    "card_loss",
    "queue_ticket",
    "transfer",
    "account_opening",
    "time_deposit",
    "booking_check_in",
    "statement",
    "wealth_purchase",
    "foreign_exchange",
    "pension_account",
    "welcome_identify",
    "product_reservation",
}


def test_every_shipped_flow_loads() -> None:
    flows = load_flows()
    assert set(flows) == EXPECTED
    patterns = {f.pattern for f in flows.values()}
    assert {"booking_branch", "scan_counter", "self_service_remote", "acceptance_remote"} <= patterns
    for flow in flows.values():
        assert flow.title.zh and flow.title.en
        for spec in flow.slots.values():
            assert spec.prompt.zh and spec.prompt.en


def test_flow_intents_are_nlu_intents() -> None:
    """The conversation starts a journey from the NLU's intent: every name a flow lists must exist there."""
    from assistant.nlu.data import load_intents

    known = {i.name for i in load_intents()}
    for flow in load_flows().values():
        assert set(flow.intents) <= known, (flow.name, set(flow.intents) - known)
    started = {i for f in load_flows().values() for i in f.intents}
    assert {"transfer", "card_loss", "time_deposit", "foreign_exchange", "pension_account"} <= started


def test_money_writes_are_screened_and_confirmed_first() -> None:
    for flow in load_flows().values():
        for i, step in enumerate(flow.steps):
            if isinstance(step, ExecuteStep) and step.operation in ("transfer", "open_time_deposit", "counter_order"):
                before = flow.steps[:i]
                assert any(isinstance(s, ConfirmStep) for s in before), flow.name
                assert any(isinstance(s, RiskScreenStep) for s in before), flow.name


def test_shared_data_files_load() -> None:
    messages = load_messages()
    assert "engine.cancelled" in messages.messages
    products = load_products()
    assert {p.risk_level for p in products.products} == {"R1", "R2", "R3", "R4", "R5"}
    banned = ("保本", "稳赚不赔", "零风险")
    for p in products.products:
        assert not any(b in p.pitch.zh for b in banned)


def _minimal() -> dict[str, Any]:
    return {
        "name": "demo",
        "title": {"zh": "示例", "en": "Demo"},
        "pattern": "business",
        "business_type": "general",
        "completed": {"zh": "完成", "en": "Done"},
        "slots": {"amount": {"type": "amount", "prompt": {"zh": "金额？", "en": "Amount?"}}},
        "steps": [
            {"id": "ask", "kind": "collect", "slots": ["amount"]},
            {
                "id": "confirm",
                "kind": "confirm",
                "title": {"zh": "确认", "en": "Confirm"},
                "prompt": {"zh": "确认吗", "en": "Confirm?"},
                "fields": [{"label": {"zh": "金额", "en": "Amount"}, "value": "{slot.amount}"}],
            },
        ],
    }


def _write(tmp_path: Path, flow: dict[str, Any]) -> Path:
    path = tmp_path / f"{flow['name']}.yaml"
    path.write_text(yaml.safe_dump(flow, allow_unicode=True), encoding="utf-8")
    return path


def test_minimal_flow_loads(tmp_path: Path) -> None:
    assert load_flow(_write(tmp_path, _minimal())).name == "demo"


def _broken(tmp_path: Path, change: Any) -> FlowError:
    flow = _minimal()
    change(flow)
    with pytest.raises(FlowError) as err:
        load_flow(_write(tmp_path, flow))
    assert "demo.yaml" in str(err.value)
    return err.value


def test_unknown_step_kind_names_the_step(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["steps"].append({"id": "fly", "kind": "teleport"}))
    assert err.step == "fly" and "teleport" in str(err)


def test_missing_prompt_names_the_step(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["steps"][1].pop("prompt"))
    assert err.step == "confirm" and "prompt" in str(err)


def test_missing_slot_prompt(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["slots"]["amount"].pop("prompt"))
    assert "slots.amount.prompt" in str(err)


def test_dangling_step_reference(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["steps"][1].update(on_no="nowhere"))
    assert err.step == "confirm" and "nowhere" in str(err)


def test_condition_on_unknown_slot(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["steps"][1].update(when={"slot": "ammount", "gt": 1}))
    assert err.step == "confirm" and "ammount" in str(err)


def test_placeholder_of_unknown_slot(tmp_path: Path) -> None:
    err = _broken(
        tmp_path, lambda f: f["steps"][1]["fields"].append({"label": {"zh": "x", "en": "x"}, "value": "{slot.payee}"})
    )
    assert "slot.payee" in str(err)


def test_collect_of_undeclared_slot(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["steps"][0]["slots"].append("payee"))
    assert err.step == "ask"


def test_duplicate_step_ids(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["steps"].append(dict(f["steps"][0])))
    assert "duplicate" in str(err)


def test_money_write_without_risk_screen(tmp_path: Path) -> None:
    step = {"id": "pay", "kind": "execute", "operation": "transfer", "save_as": "transfer"}
    err = _broken(tmp_path, lambda f: f["steps"].append(step))
    assert err.step == "pay" and "risk_screen" in str(err)


def test_write_without_confirm(tmp_path: Path) -> None:
    step = {"id": "ticket", "kind": "execute", "operation": "queue_ticket", "save_as": "ticket"}
    err = _broken(tmp_path, lambda f: f["steps"].insert(0, step))
    assert err.step == "ticket" and "confirm" in str(err)


def test_unknown_operation(tmp_path: Path) -> None:
    step = {"id": "x", "kind": "execute", "operation": "print_money", "save_as": "x"}
    err = _broken(tmp_path, lambda f: f["steps"].append(step))
    assert "print_money" in str(err)


def test_authorise_needs_a_saved_result(tmp_path: Path) -> None:
    step = {
        "id": "auth",
        "kind": "authorise",
        "authorization_id": "transfer.authorization_id",
        "prompt": {"zh": "等", "en": "Wait"},
    }
    err = _broken(tmp_path, lambda f: f["steps"].append(step))
    assert err.step == "auth"


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["steps"][0].update(promt={"zh": "x", "en": "x"}))
    assert err.step == "ask" and "promt" in str(err)


def test_condition_needs_an_operator(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: f["steps"][1].update(when={"slot": "amount"}))
    assert err.step == "confirm"


def test_name_must_match_file(tmp_path: Path) -> None:
    flow = _minimal()
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(flow, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FlowError, match="file name"):
        load_flow(path)


def test_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(FlowError, match=r"demo\.yaml"):
        load_flow(path)


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="no flow files"):
        load_flows(tmp_path)


def test_a_slot_check_naming_an_unknown_slot_is_refused(tmp_path: Path) -> None:
    def change(flow: dict[str, Any]) -> None:
        flow["slots"]["amount"]["check"] = {"kind": "funds", "account": "from_account"}

    assert "unknown slot 'from_account'" in str(_broken(tmp_path, change))


def test_transfer_checks_the_payee_account_and_the_balance_while_collecting() -> None:
    transfer = load_flows()["transfer"]
    payee, amount = transfer.slots["payee_account"].check, transfer.slots["amount"].check
    assert payee is not None and (payee.kind, payee.name, payee.bank) == ("payee_account", "payee_name", "payee_bank")
    assert amount is not None and (amount.kind, amount.account) == ("funds", "from_account")
    assert transfer.slots["payee_relation"].ask is False


# --- customer verification before money moves ---------------------------------------------------------


def _verifying(flow: dict[str, Any], verify: dict[str, Any], at: int | None = None) -> None:
    flow["slots"]["from_account"] = {"type": "account", "prompt": {"zh": "哪个账户？", "en": "Which account?"}}
    flow["steps"][0]["slots"] = ["from_account", "amount"]
    flow["steps"].insert(1, {"id": "screen", "kind": "risk_screen", "amount": "amount"})
    step = {"id": "verify", "kind": "verify", **verify}
    flow["steps"].insert(len(flow["steps"]) if at is None else at, step)
    flow["steps"].append({"id": "pay", "kind": "execute", "operation": "open_time_deposit", "save_as": "deposit"})


def test_the_flows_say_which_business_needs_which_verification() -> None:
    from assistant.journeys.spec import VerifyStep

    needs = {
        name: [list(s.methods) for s in flow.steps if isinstance(s, VerifyStep)] for name, flow in load_flows().items()
    }
    assert needs["transfer"] == [["face", "pin"]]  # the bank's kiosk transfer: face verification, then the PIN
    assert needs["time_deposit"] == [["pin"]]
    assert needs["scan_counter"] == []  # nothing moves at the kiosk: the teller verifies at the counter


def test_a_verify_step_loads_between_the_confirmation_and_the_money_write(tmp_path: Path) -> None:
    flow = _minimal()
    _verifying(flow, {"methods": ["face", "pin"], "account": "from_account"})
    assert [s.kind for s in load_flow(_write(tmp_path, flow)).steps][-3:] == ["confirm", "verify", "execute"]


def test_a_pin_check_names_its_account(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: _verifying(f, {"methods": ["pin"]}))
    assert err.step == "verify" and "account" in str(err)
    err = _broken(tmp_path, lambda f: _verifying(f, {"methods": ["pin"], "account": "amount"}))
    assert err.step == "verify" and "not an account slot" in str(err)


def test_verification_comes_after_the_confirmation_and_before_the_money_write(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: _verifying(f, {"methods": ["face"]}, at=1))
    assert err.step == "verify" and "after the confirm" in str(err)

    def write_first(flow: dict[str, Any]) -> None:
        _verifying(flow, {"methods": ["face"]})
        flow["steps"].insert(-1, flow["steps"].pop())  # the execute step before the verify step

    err = _broken(tmp_path, write_first)
    assert err.step == "pay" and "verify" in str(err)


def test_unknown_verification_methods_are_refused(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda f: _verifying(f, {"methods": ["fingerprint"]}))
    assert err.step == "verify"
