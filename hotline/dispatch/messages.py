"""What the vendor's on-call contact receives: the SMS text and the voice script, in Japanese."""
from __future__ import annotations

import datetime as dt

from vendors import capabilities
from workflows.calendar import TOKYO

SMS_BRIEF_CHARS = 280  # the brief is cut for SMS; the answer page shows it whole


def jst(value: dt.datetime) -> str:
    return value.astimezone(TOKYO).strftime("%m/%d %H:%M")


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sms(reference: str, dispatch, step, deadline: dt.datetime, link: str) -> str:
    return (f"【サイバー事故対応 手配依頼】{step.vendor_name} {step.contact_name}様\n"
            f"案件 {reference} / {capabilities.name(dispatch.capability, 'ja')}\n"
            f"{_short(dispatch.brief, SMS_BRIEF_CHARS)}\n"
            f"{jst(deadline)}(JST)までに受諾・辞退を回答してください: {link}")


def voice_script(reference: str, dispatch) -> str:
    return (f"サイバー事故ホットラインから、{capabilities.name(dispatch.capability, 'ja')}の手配のご依頼です。"
            f"案件番号 {' '.join(reference)}。内容。{_short(dispatch.brief, 500)}")
