"""The flow-file schema: pydantic models a journey YAML must satisfy.

Flows are data that business people review, so the schema is strict (unknown keys are refused)
and every customer-facing string is a `Localized` pair: Simplified Chinese first, English alongside.
Cross-references (step ids, slot names in conditions) are checked by `loader.py`, which knows the
whole file; the models here check one node at a time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer, model_validator

StepKind = Literal[
    "identify",
    "precheck",
    "risk_screen",
    "collect",
    "confirm",
    "verify",
    "authorise",
    "execute",
    "deliver",
    "reserve",
    "recommend",
    "handoff",
    "follow_up",
]
SlotType = Literal["text", "amount", "integer", "choice", "account", "card", "phone", "account_number", "bool"]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Spoken(_Strict):
    """What the avatar says aloud instead of a text's written form (see `Localized.speech`)."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Localized(_Strict):
    """A customer-facing text: `zh` is what the kiosk says by default, `en` for English speakers.

    `speech` is the text's spoken form when the written one must stay on the screen: the voice reaches
    the whole lobby, so the customer's balance or the content of their unfinished business is shown
    but not said ("余额已显示在屏幕上，请查看。"). Without it the avatar says the written text."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    speech: Spoken | None = None

    @model_serializer(mode="wrap")
    def _plain_pair(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A text without a spoken form dumps as the plain {zh, en} pair cards and labels are read as."""
        data: dict[str, Any] = handler(self)
        if data.get("speech") is None:
            data.pop("speech", None)
        return data

    def pick(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


class Condition(_Strict):
    """A safe condition: one subject (slot/profile/result/context/customer path) and one or more operators.

    Combinators `all`, `any` and `not` nest. No expression strings, nothing is evaluated as code.
    """

    slot: str | None = None
    profile: str | None = None
    result: str | None = None
    context: str | None = None
    customer: str | None = None
    eq: Any = None
    ne: Any = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    in_: list[Any] | None = Field(None, alias="in")
    not_in: list[Any] | None = None
    exists: bool | None = None
    truthy: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(None, alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        subjects = [s for s in ("slot", "profile", "result", "context", "customer") if getattr(self, s) is not None]
        combinators = [c for c in ("all", "any", "not_") if getattr(self, c) is not None]
        ops = [o for o in OPERATORS if getattr(self, o) is not None]
        if combinators:
            if subjects or ops or len(combinators) > 1:
                raise ValueError("a combinator (all/any/not) stands alone")
            return self
        if len(subjects) != 1:
            raise ValueError("a condition names exactly one of slot/profile/result/context/customer")
        if not ops and "eq" not in self.model_fields_set and "ne" not in self.model_fields_set:
            raise ValueError("a condition needs an operator: eq ne gt gte lt lte in not_in exists truthy")
        return self

    def subject(self) -> tuple[str, str]:
        for s in ("slot", "profile", "result", "context", "customer"):
            value = getattr(self, s)
            if value is not None:
                return s, str(value)
        raise ValueError("combinator has no subject")


OPERATORS = ("gt", "gte", "lt", "lte", "in_", "not_in", "exists", "truthy")


class Choice(_Strict):
    value: str
    label: Localized
    synonyms: list[str] = Field(default_factory=list)


class SlotCheck(_Strict):
    """A check of a slot's value while it is collected, so a wrong answer is re-asked at once, not refused
    at the end: `payee_account` resolves the number at the bank (unknown -> re-ask; a holder whose name
    differs from the `name` slot -> re-ask the name; this bank's account -> the `bank` slot is filled);
    `funds`: the amount must not exceed the balance of the account chosen in the `account` slot."""

    kind: Literal["payee_account", "funds"]
    name: str | None = Field(None, description="payee_account: the slot with the payee's name to verify.")
    bank: str | None = Field(None, description="payee_account: the slot filled when the account is at this bank.")
    account: str | None = Field(None, description="funds: the account slot whose balance limits the amount.")


class Note(_Strict):
    """A line said before a slot's prompt when its condition holds."""

    when: Condition
    text: Localized


class SlotSpec(_Strict):
    """One thing the journey needs to know, how to ask for it and what a valid answer is."""

    type: SlotType
    prompt: Localized
    label: Localized | None = None
    error: Localized | None = None
    required: bool = True
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: list[Choice] | None = None
    kinds: list[str] | None = Field(None, description="account/card slots: only these kinds (e.g. [debit]).")
    nlu: str | None = Field(None, description="The NLU slot that fills this one (default by type, e.g. amount).")
    allow_other: bool = Field(False, description="A choice slot also accepts free text (e.g. another bank's name).")
    yes_words: list[str] = Field(
        default_factory=list, description="A yes/no slot: answers that mean yes here (补办 to 'replace it now?')."
    )
    default: Any = None
    when: Condition | None = None
    ask: bool = Field(True, description="false: only taken from what the customer says, never asked for.")
    heard_anywhere: bool = Field(
        False,
        description="A choice named anywhere in a sentence fills it (打印近半年的流水 -> period 6 months), as it "
        "always does for never-asked slots; only for choices whose words mean nothing else.",
    )
    check: SlotCheck | None = None
    notes: list[Note] = Field(default_factory=list)

    @model_validator(mode="after")
    def _choices(self) -> SlotSpec:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice slot lists its choices")
        return self


class Field_(_Strict):
    """One line of a confirmation/receipt card: a label and a rendered value template."""

    label: Localized
    value: Localized | str
    when: Condition | None = None
    said: Localized | None = Field(
        None,
        description="Said aloud with the confirmation when the line applies: what the customer agrees to "
        "must be heard, not only shown (a fee charged, or waived).",
    )


DocId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
CITE_DESCRIPTION = (
    "Approved knowledge documents (front-matter or FAQ entry ids) that the facts stated in these texts come "
    "from; replies that state a number carry them as citations."
)


class StepBase(_Strict):
    id: Identifier
    kind: StepKind
    when: Condition | None = None
    prompt: Localized | None = None
    cite: list[DocId] = Field(default_factory=list, description=CITE_DESCRIPTION + " Step-level: always cited.")


class IdentifyStep(StepBase):
    kind: Literal["identify"]
    prompt: Localized
    methods: list[Literal["id_card", "qr", "booking_code", "phone", "passport"]] = Field(min_length=1)
    strong: bool = Field(False, description="Money and identity changes need an ID card, passport or QR token.")


class PrecheckStep(StepBase):
    kind: Literal["precheck"]
    check_in: bool = Field(False, description="Check in a booking for today at this branch.")
    booking_type: str | None = Field(None, description="Only bookings of this business type count.")


class RiskScreenStep(StepBase):
    kind: Literal["risk_screen"]
    screen: Literal["aml", "suitability"] = "aml"
    counterparty_account: str | None = Field(None, description="Slot holding the counterparty account.")
    counterparty_name: str | None = None
    amount: str | None = Field(None, description="Slot holding the amount.")
    product: str | None = Field(None, description="Slot holding the product (suitability).")


class CollectStep(StepBase):
    kind: Literal["collect"]
    slots: list[str] = Field(min_length=1)
    form: Localized | None = Field(None, description="Title of the form card shown while collecting.")


class ConfirmStep(StepBase):
    kind: Literal["confirm"]
    prompt: Localized
    title: Localized
    fields: list[Field_] = Field(min_length=1)
    disclosures: list[Localized] = Field(default_factory=list)
    on_no: str = Field("back", description="'back' (to the previous collect step), 'cancel', or a step id.")


class VerifyStep(StepBase):
    """The customer proves it is them before money moves: a face match against the ID photo and/or the PIN
    of the paying account typed on the kiosk's PIN pad, checked by the bank in the order listed. Which
    business needs which is said here, in the flow file; the shared texts are `verify.*` in messages.yaml."""

    kind: Literal["verify"]
    methods: list[Literal["face", "pin"]] = Field(min_length=1, max_length=2)
    account: str | None = Field(None, description="pin: the account slot whose PIN (its card's 取款密码) is checked.")

    @model_validator(mode="after")
    def _pin_account(self) -> VerifyStep:
        if "pin" in self.methods and not self.account:
            raise ValueError("a pin check names the account slot whose PIN it checks (account: ...)")
        if len(set(self.methods)) != len(self.methods):
            raise ValueError("each verification method once")
        return self


class AuthoriseStep(StepBase):
    kind: Literal["authorise"]
    prompt: Localized
    authorization_id: str = Field(
        description="Result path holding the authorization id, e.g. transfer.authorization_id"
    )
    save_as: Identifier | None = None


class ExecuteStep(StepBase):
    kind: Literal["execute"]
    operation: str
    args: dict[str, Any] = Field(default_factory=dict)
    save_as: Identifier
    index: dict[str, str] | None = Field(None, description="{list: rates, key: currency} adds result.by.<key>.")
    success: Localized | None = None
    requires_confirmation: bool | None = Field(None, description="Default: true for writes.")


class DeliverStep(StepBase):
    kind: Literal["deliver"]
    device: Literal["receipt_printer", "card_dispenser", "product_locker"]
    command: Literal["print_receipt", "dispense_card", "open_locker"]
    params: dict[str, Any] = Field(default_factory=dict)
    title: Localized
    success: Localized
    fallback: Localized


class ReserveStep(StepBase):
    """Hold a product of the branch's dispenser for the customer as a bank order (docs/orders.md).

    `action: reserve` takes one `product` from stock as an unconfirmed reservation of this visit; `action:
    confirm` keeps the reservation made by step `reservation` (the customer said yes) and says its pickup
    code. An unconfirmed reservation is released when the journey is cancelled or fails, when the visit ends,
    and at the latest when the bank's hold lapses: nothing stays taken from stock."""

    kind: Literal["reserve"]
    action: Literal["reserve", "confirm"] = "reserve"
    product: str | None = Field(None, description="A product key of the bank's catalogue, or a template.")
    reservation: Identifier | None = Field(None, description="confirm: the reserve step whose order to keep.")
    ready: bool = Field(True, description="confirm: the item waits in the dispenser, so it is ready at once.")
    title: Localized
    success: Localized
    fallback: Localized


class RecommendStep(StepBase):
    kind: Literal["recommend"]
    limit: int = Field(2, ge=1, le=5)
    topic: str | None = Field(None, description="Only rules with this topic.")


class HandoffStep(StepBase):
    kind: Literal["handoff"]
    prompt: Localized
    skill: str
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    reason: str


class FollowUpStep(StepBase):
    kind: Literal["follow_up"]
    prompt: Localized
    action: str
    due_days: int = Field(0, ge=0, le=90)


Step = Annotated[
    IdentifyStep
    | PrecheckStep
    | RiskScreenStep
    | CollectStep
    | ConfirmStep
    | VerifyStep
    | AuthoriseStep
    | ExecuteStep
    | DeliverStep
    | ReserveStep
    | RecommendStep
    | HandoffStep
    | FollowUpStep,
    Field(discriminator="kind"),
]


class Flow(_Strict):
    """One journey: its slots and the ordered steps that use them."""

    name: Identifier
    version: int = 1
    title: Localized
    pattern: Literal["booking_branch", "scan_counter", "self_service_remote", "acceptance_remote", "business"]
    intents: list[str] = Field(default_factory=list)
    business_type: str = Field(description="Queue/booking business type used for tickets and handoffs.")
    completed: Localized
    slots: dict[Identifier, SlotSpec] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)
    cite: list[DocId] = Field(default_factory=list, description=CITE_DESCRIPTION)

    def step(self, step_id: str) -> StepBase:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def index(self, step_id: str) -> int:
        for i, s in enumerate(self.steps):
            if s.id == step_id:
                return i
        raise KeyError(step_id)
