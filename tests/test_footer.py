"""The footer recomposes only when the keys it shows change (each recompose is a frame sent to the terminal)."""
from __future__ import annotations

import asyncio

from appkit import make_app, settle, sign_on

from deskconsole.widgets.footer import DeskFooter


def footer_keys(app) -> list[str]:
    return [str(key.render()).strip() for key in app.screen.query_one(DeskFooter).query("FooterKey")]


def test_the_footer_follows_the_pane_and_is_not_recomposed_for_the_same_keys(demo_site, monkeypatch):
    recomposed = []
    original = DeskFooter.recompose

    async def counting(self):
        recomposed.append(self.screen.__class__.__name__)
        return await original(self)

    monkeypatch.setattr(DeskFooter, "recompose", counting)

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            assert recomposed.count("ConsoleScreen") == 1       # Textual's Footer: once per focus change
            calls_keys = footer_keys(app)
            assert any("New call" in k for k in calls_keys)
            await pilot.press("4")                              # the Keys pane: other keys
            await settle(pilot)
            assert any("Return" in k for k in footer_keys(app)) and footer_keys(app) != calls_keys
            before = len(recomposed)
            await pilot.press("n")                              # a form opens and closes: same keys after
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            assert len(recomposed) == before
    asyncio.run(go())


def test_at_80x24_the_footer_shows_help_first_and_only_whole_keys(demo_site):
    from textual.widgets._footer import FooterKey

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("2")  # the orders pane: more keys than 80 columns hold
            await pilot.pause()
            await pilot.pause()
            footer = app.screen.query_one(DeskFooter)
            keys = [k for k in footer.query(FooterKey) if not k.has_class("-command-palette")]
            palette = footer.query_one("FooterKey.-command-palette")
            shown = [k for k in keys if k.display]
            assert shown[0].key == "question_mark"
            assert len(shown) < len(keys)  # some left out, whole
            assert all(k.region.right <= palette.region.x for k in shown)
            assert "palette" not in palette.render().plain
    asyncio.run(go())


def after_a_night_of_switches(demo_site, check) -> None:
    """Sign on, switch panes 2, 3, 4, 1 five times as an operator does all night, then `check(app)`."""
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            for _ in range(5):
                for pane in "2341":
                    await pilot.press(pane)
                    await settle(pilot)
            check(app)
    asyncio.run(go())


def test_keys_the_footer_no_longer_shows_are_let_go(demo_site):
    """Each key Textual's Footer makes binds the footer's `compact`, a watcher on the footer that holds the
    key; Textual drops it only when `compact` changes, which it never does. Switching panes all night
    would keep every footer ever shown: the footer forgets the keys it removed."""
    import gc

    from textual.widgets._footer import FooterKey

    def check(app):
        gc.collect()
        keys = [o for o in gc.get_objects() if isinstance(o, FooterKey)]
        assert len(list(app.screen.query_one(DeskFooter).query("FooterKey"))) >= 4
        assert [k for k in keys if not k.is_attached] == []
    after_a_night_of_switches(demo_site, check)


def test_the_styles_of_removed_widgets_are_let_go_at_each_tick(demo_site):
    """Textual's StylesCache.get_inner_outer (an lru_cache of 1,024 on a method) keeps the styles cache, and
    the rendered lines, of widgets long removed: the console's tick empties it, so that after pane switches
    no more styles caches are alive than there are widgets."""
    import gc

    from textual._styles_cache import StylesCache
    from textual.dom import DOMNode

    def check(app):
        app.tick()
        gc.collect()
        widgets = sum(1 for o in gc.get_objects() if isinstance(o, DOMNode))
        caches = sum(1 for o in gc.get_objects() if isinstance(o, StylesCache))
        assert caches <= widgets
    after_a_night_of_switches(demo_site, check)
