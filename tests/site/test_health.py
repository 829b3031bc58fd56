"""Health checks an orchestrator polls, and the public pages load."""

from marketplace.app import create_app


def test_healthz_reports_the_process_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_home_page_shows_industries(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Metals and metalworking" in response.text


def test_readyz_answers_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "x",
        }
    )
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert broken.test_client().get("/healthz").status_code == 200
