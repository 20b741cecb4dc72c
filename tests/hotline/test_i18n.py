"""Pages in Japanese for Japanese browsers, English otherwise, switchable by the user."""


def test_japanese_browser_gets_japanese(client):
    page = client.get("/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert "ログイン" in page and 'lang="ja"' in page


def test_other_browsers_get_english(client):
    page = client.get("/login", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert "Log in" in page and 'lang="en"' in page


def test_language_choice_sticks(client):
    client.get("/login?lang=en", headers={"Accept-Language": "ja"})
    page = client.get("/login", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert 'lang="en"' in page


def test_every_catalogue_entry_is_translated():
    from babel.messages.pofile import read_po

    from hotline.i18n import _catalogues

    for po in _catalogues():
        with po.open("rb") as f:
            catalog = read_po(f)
        untranslated = [m.id for m in catalog if m.id and not m.string]
        assert not untranslated, f"{po}: {untranslated}"


def test_no_page_loads_anything_from_the_internet(client):
    page = client.get("/login").get_data(as_text=True)
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page
