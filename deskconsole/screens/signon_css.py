"""The sign-on screens' styles, shared by sign-on, first run and choosing one's own PIN."""

SIGNON_CSS = """
SignOnScreen, FirstRunScreen { align: center middle; }
#signon-box { width: 48; height: auto; border: round $accent; padding: 0 1; }
#signon-box Label { margin-top: 1; }
#signon-box Input { width: 100%; }
#signon-site { text-style: bold; width: 100%; content-align: center middle; }
.signon-message { color: $error; text-style: bold; height: auto; min-height: 1; margin-top: 1; }
.signon-hint { color: $text-muted; height: auto; margin-top: 1; }
"""
