"""The catalogue page in a real browser: a service with a duration, a CSV imported and exported."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import unique_email

CSV = (
    "name,price,description,duration_minutes,synonyms,sku\n"
    "Hair Colour,45,Global colour or highlights,120,hair color|hair dye,\n"
    "Manicure,12.50,Nail shaping and polish,40,,\n"
    "Waxing,20,,,wax,\n"
)


async def test_a_service_with_a_duration_and_a_csv_import_on_the_page(visitor, tmp_path):
    page = visitor.page
    await visitor.sign_up("Glow Salon", unique_email("salon"))
    await visitor.goto("/app/services")
    form = page.locator("#add-service")
    await form.get_by_role("textbox", name="Name", exact=True).fill("Bridal Makeup")
    await form.get_by_role("textbox", name="Price", exact=True).fill("350")
    await form.get_by_label("Duration in minutes").fill("90")
    await form.get_by_label("Description").fill("Complete bridal look with hairstyling.")
    await form.get_by_role("button", name="Add the service").click()
    await page.wait_for_url("**/app/services")
    row = page.get_by_role("row").filter(has_text="Bridal Makeup")
    assert "1 h 30 min" in await row.inner_text()

    bad = tmp_path / "bad.csv"
    bad.write_text("name,price\nPedicure,eighteen\n")
    importer = page.locator("#import-services")
    await importer.get_by_label("CSV file").set_input_files(str(bad))
    await importer.get_by_role("button", name="Import").click()
    error = page.locator("#e-file")
    assert "row 2, price:" in await error.inner_text()
    await visitor.shot("services-import-refused")

    good = tmp_path / "services.csv"
    good.write_text(CSV)
    await page.locator("#import-services").get_by_label("CSV file").set_input_files(str(good))
    await page.locator("#import-services").get_by_role("button", name="Import").click()
    await page.wait_for_url("**/app/services")
    body = await page.locator("main").inner_text()
    assert "Imported: 3 added, 0 updated." in body
    assert "2 h" in await page.get_by_role("row").filter(has_text="Hair Colour").inner_text()
    assert "40 min" in await page.get_by_role("row").filter(has_text="Manicure").inner_text()
    await visitor.shot("services-with-durations")

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download the services as CSV").click()
    download = await waiting.value
    saved = Path(await download.path()).read_text()
    assert saved.splitlines()[0] == "name,price,description,duration_minutes,synonyms,sku"
    assert "Hair Colour,45.00,Global colour or highlights,120,hair color|hair dye," in saved
