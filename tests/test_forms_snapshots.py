"""Every form at 80x24 as it opens (issue 16), fixed clock, cursor blink off: one line per field, each
choice with its letter, the save hint at the foot of the box. The two largest also in Chinese."""
from __future__ import annotations

import pytest
from appkit import make_app
from formkit import FORMS, form_records, open_form  # noqa: F401  (a fixture)

from deskconsole import i18n

LARGEST = ["issue_key", "sign_in_visitor"]   # the most lines at 80x24, in Chinese too (test_forms_fit measures)


@pytest.mark.parametrize("name", FORMS)
def test_form_80x24(snap_compare, demo_site, form_records, name):
    async def show(pilot):
        await open_form(pilot, name, form_records)

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)


@pytest.mark.parametrize("name", LARGEST)
def test_form_80x24_in_chinese(snap_compare, demo_site, form_records, name):
    i18n.set_language("zh")

    async def show(pilot):
        await open_form(pilot, name, form_records)

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)
