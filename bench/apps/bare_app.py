"""The floor of this stack: a bare Textual app (Header, Footer, one Static). It shows the same marker
text the console's sign-on screen shows ("Staff code"), so both are timed the same way."""
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class BareApp(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Staff code")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
