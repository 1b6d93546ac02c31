from __future__ import annotations

from typing import Any

from kivy.factory import Factory

from kiosk_app.i18n import pick_language
from kiosk_app.ui import theme
from kiosk_app.ui.screen import KScreen


MESSAGES = {
    "": "Choose a service on the left.",
    "loading": "Loading…",
    "none": "No procedure information for this service yet.",
    "offline": "The queue server cannot be reached. Please try again in a moment.",
}


class ProceduresScreen(KScreen):
    _key: Any = None

    def refresh(self, c: Any) -> None:
        scale = theme.LARGE_SCALE if c.large_text else 1.0
        key = (c.lang, c.large_text, c.proc_service, tuple(s.code for s in c.services))
        if key != self._key:
            self._key = key
            lst = self.ids.services
            lst.clear_widgets()
            for s in c.services:
                b = Factory.KButton(text=s.name(c.lang), tid=f"proc:{s.code}", size_hint_y=None,
                                    height=lst.row_height,
                                    bg_color=theme.SECONDARY if s.code == c.proc_service else theme.NEUTRAL)
                b.bind(on_press=lambda btn, code=s.code: c.choose_procedure_service(code))
                lst.add_widget(b)
        body = self.ids.body
        body.clear_widgets()
        if c.proc_state != "found":
            body.add_widget(Factory.KLabel(text=c.t(MESSAGES.get(c.proc_state, MESSAGES[""]))))
            return
        for p in c.procedures:
            name = p.name_en if c.lang == "en" and p.name_en else p.name_vi
            body.add_widget(Factory.KLabel(text=name, bold=True, font_size=32 * scale))
            if p.documents:
                docs = "\n".join(f"• {d}" for d in p.documents)
                body.add_widget(Factory.KLabel(text=c.t("Documents:") + "\n" + docs))
            fee, limit = pick_language(p.fee, c.lang) or "—", pick_language(p.time_limit, c.lang) or "—"
            facts = [c.t("Fee: {fee}", fee=fee), c.t("Time limit: {limit}", limit=limit)]
            body.add_widget(Factory.KLabel(text="   ·   ".join(facts), color=theme.SECONDARY, bold=True))
