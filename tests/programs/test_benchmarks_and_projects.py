"""Other provinces' standards (dated, sourced, kept by HR) and recruitment projects."""

from tests.core.test_api_shape import assert_error


def test_the_plan_ships_labelled_sample_standards(api_as):
    rows = api_as("hr").get("/benchmarks?program_code=RESEARCH_PACKAGE").json["items"]
    assert len(rows) == 6 and all(r["is_sample"] and r["source"] for r in rows)


def test_hr_records_a_standard_with_its_source(api_as):
    hr = api_as("hr")
    body = {
        "program_code": "RESEARCH_PACKAGE",
        "category": "research_funds",
        "province": "江苏省",
        "amount": "3000000.00",
        "effective_from": "2025-01-01",
        "source": "苏人社发〔2024〕X号",
    }
    created = hr.post("/benchmarks", json=body)
    assert created.status_code == 201 and created.json["amount"] == "3000000.00"
    assert created.json["is_sample"] is False
    assert_error(hr.post("/benchmarks", json={**body, "category": "bonus"}), 422, "category")
    assert_error(hr.post("/benchmarks", json={**body, "source": ""}), 422, "source")
    assert_error(hr.post("/benchmarks", json={**body, "amount": "-1"}), 422, "amount")
    assert_error(api_as("finance").post("/benchmarks", json=body), 403)


def test_a_new_standard_raises_the_research_package_from_its_date(world, file_claim, make_talent):
    world.hr.post(
        "/benchmarks",
        json={
            "program_code": "RESEARCH_PACKAGE",
            "category": "research_funds",
            "province": "江苏省",
            "amount": "3000000.00",
            "effective_from": "2025-01-01",
            "source": "苏人社发〔2024〕X号",
        },
    )
    before = file_claim("RESEARCH_PACKAGE").json  # recruited 2024-03-01
    later_talent = make_talent(
        world.employer_org, degree="doctorate", years_experience=8, shanxi_start_date="2025-06-01"
    )
    after = file_claim("RESEARCH_PACKAGE", talent=later_talent).json
    assert before["amount_expected"] == "2100000.00"
    assert after["amount_expected"] == "4100000.00"


def test_projects(api_as):
    hr = api_as("hr")
    created = hr.post("/recruitment-projects", json={"name": "煤层气项目", "level": "key", "year": 2026})
    assert created.status_code == 201 and created.json["level"] == "key"
    assert_error(
        hr.post("/recruitment-projects", json={"name": "煤层气项目", "level": "key", "year": 2026}), 409
    )
    assert_error(
        hr.post("/recruitment-projects", json={"name": "x", "level": "top", "year": 2026}), 422, "level"
    )
    assert_error(
        hr.post("/recruitment-projects", json={"name": "x", "level": "key", "year": 1900}), 422, "year"
    )
    assert_error(
        api_as("employer").post("/recruitment-projects", json={"name": "x", "level": "key", "year": 2026}),
        403,
    )
    listed = api_as("employer").get("/recruitment-projects?year=2026").json
    assert [p["name"] for p in listed["items"]] == ["煤层气项目"]
