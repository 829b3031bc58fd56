"""A tab left open after the session ended keeps polling in the background; that must neither
loop through the sign-in page nor spoil a sign-in the person starts in another tab."""

from __future__ import annotations

from tests.factories import PASSWORD

EVENT_STREAM = {"Accept": "text/event-stream", "Sec-Fetch-Dest": "empty"}
JSON = {"Accept": "application/json"}
DOMAIN = "market.test"  # the test app's SERVER_NAME


def test_a_signed_out_live_stream_answers_401_without_a_cookie(client):
    response = client.get("/live", headers=EVENT_STREAM)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "Set-Cookie" not in response.headers


def test_a_signed_out_json_poll_answers_401(client):
    response = client.get("/messages/unread.json", headers=JSON)
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_a_page_still_sends_the_person_to_sign_in(client):
    response = client.get("/live", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_background_poll_between_opening_the_form_and_sending_it_keeps_the_sign_in_working(
    app, client, owner_a
):
    token = client.csrf_token("/login")
    # The old tab reconnected at the same moment, so its request went out before the form's
    # cookie arrived and carries none; whatever cookie it gets back replaces the form's.
    for url, accept in (("/live", EVENT_STREAM), ("/messages/unread.json", JSON)):
        racing = app.test_client()
        racing.get(url, headers=accept)
        returned = racing.get_cookie("session", domain=DOMAIN)
        if returned is not None:
            client.set_cookie("session", returned.value, domain=DOMAIN)
    response = client.post(
        "/login", data={"csrf_token": token, "email": owner_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
