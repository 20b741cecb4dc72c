"""Phones as people in Japan write them behind a tel: link, case references and links clickable in plain text."""
from hotline.formatting import linked, phone_link, phone_text


def test_phones_read_japanese_style_and_dial_the_stored_number():
    assert phone_text("+819012345678") == "090-1234-5678"
    assert phone_text("+81312345678") == "03-1234-5678"
    assert phone_text("+81300000100") == "03-0000-0100"  # the demo's impossible numbers too
    assert phone_text("+447911123456") == "+44 7911 123456"  # a foreign number keeps its country code
    assert phone_text("") == "" and phone_text(None) == "" and phone_text("not a phone") == "not a phone"
    assert phone_link("+81300000100") == '<a class="tel" href="tel:+81300000100">03-0000-0100</a>'
    assert phone_link('"><script>') == '<a class="tel" href="tel:&#34;&gt;&lt;script&gt;">&#34;&gt;&lt;script&gt;</a>'


def test_plain_text_gets_its_links_and_references_and_nothing_else(app):
    with app.test_request_context():
        html = linked("案件CY-2026-000123の依頼です。<b>回答</b>: http://localhost:8000/dispatch/answer/abc.def 以上")
    assert '<a href="/cases/CY-2026-000123" class="ref">CY-2026-000123</a>' in html
    assert '<a href="http://localhost:8000/dispatch/answer/abc.def">http://localhost:8000/dispatch/answer/abc.def</a>' in html
    assert "&lt;b&gt;回答&lt;/b&gt;" in html and "<b>" not in html
