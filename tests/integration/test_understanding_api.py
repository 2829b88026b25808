"""Acts, businesses and context through the session API: questions are answered, requests start
journeys, what the kiosk cannot do gets a cited "how and where", and follow-ups keep their topic.
Real understander (trained on the shipped labelled data), real knowledge base, real store."""

from __future__ import annotations

import pytest

from assistant.nlu.catalogue import shipped_catalogue
from tests.conftest import auth_headers
from tests.integration.test_conversation_api import say, start

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def _signed_in_as_the_demo_kiosk(app_client):
    app_client.headers.update(auth_headers(app_client, "kiosk"))


@pytest.mark.parametrize(
    ("text", "business"),
    [
        ("我想把这张卡注销掉", "account_closing"),
        ("我想办张信用卡", "credit_card"),
        ("我换了手机号，银行预留的那个要改一下", "info_change"),
        ("I forgot my card PIN, can you reset it?", "card_password"),
    ],
)
def test_a_business_the_kiosk_cannot_do_gets_its_cited_how_and_where_and_no_journey(app_client, text, business):
    sid = start(app_client)
    turn = say(app_client, sid, text)
    assert turn["business"] == business, turn
    assert turn["journey"] is None
    cited = [c["doc_id"] for c in turn["reply"]["citations"]]
    assert cited, turn["reply"]
    for doc in cited:  # its own document or an FAQ entry, never another business's document
        assert shipped_catalogue().owners(doc) <= {business}, (doc, turn["reply"])


@pytest.mark.parametrize(
    ("text", "business"),
    [
        ("基金能随时赎回吗", "wealth_products"),
        ("理财到期了钱怎么回来", "wealth_products"),
        ("定期存款利率现在是多少", "time_deposit"),
    ],
)
def test_a_question_about_a_business_is_answered_and_offers_to_start_it(app_client, text, business):
    sid = start(app_client)
    turn = say(app_client, sid, text)
    assert (turn["act"], turn["business"]) == ("question", business), turn
    assert turn["journey"] is None
    assert turn["reply"]["citations"]
    assert turn["reply"]["suggestions"] and turn["reply"]["suggestions"][0].startswith("办理")


def test_a_request_starts_its_journey(app_client):
    sid = start(app_client)
    turn = say(app_client, sid, "我要存两年定期")
    assert (turn["act"], turn["business"]) == ("request", "time_deposit")
    assert turn["journey"]["name"] == "time_deposit"


def test_an_english_follow_up_is_read_within_the_visits_topic(app_client):
    sid = start(app_client)
    first = say(app_client, sid, "How do I open an account?")
    assert first["business"] == "account_opening"
    follow = say(app_client, sid, "What documents do foreigners need?")
    assert follow["journey"] is None
    cited = [c["doc_id"] for c in follow["reply"]["citations"]]
    assert cited and cited[0].startswith("account-opening-foreigner"), follow["reply"]
    assert "passport" in follow["reply"]["text"].lower()


@pytest.mark.parametrize("text", ["定期存款提前取出来利息怎么算", "把那个一年定期取两万出来"])
def test_taking_out_a_time_deposit_is_answered_and_never_offers_to_open_one(app_client, text):
    """The time-deposit journey opens deposits; withdrawing one is answered from its documents (a customer
    once confirmed a new deposit when she wanted her money out)."""
    sid = start(app_client)
    turn = say(app_client, sid, text)
    assert turn["business"] == "time_deposit" and turn["journey"] is None
    assert turn["reply"]["citations"]
    assert not any(s.startswith("办理") for s in turn["reply"]["suggestions"])
