"""A screenshot of the console in Chromium at 1280x800, in Chinese, with a call typed in Chinese:
the picture in the README's "In a browser" section.

    .venv/bin/python tools/browser_screenshot.py [docs/browser-console.png]

Makes a fresh demo database in a temporary folder, starts `deskconsole serve` on a free loopback
port, signs on as R1 in headless Chromium (apt-get install chromium; Chinese needs a Chinese font on
this machine too, e.g. fonts-noto-cjk), logs a call and opens the new-call form again with Chinese
typed in it. Everything stays on this machine.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from browser import CTRL, FIELD_PAUSE, Chromium, Serve  # noqa: E402

ROOT = Path(__file__).parent.parent


async def shoot(db_path: Path, out: Path) -> None:
    serve = Serve(db_path, lang="zh")
    try:
        serve.wait_until_listening()
        async with Chromium(size=(1280, 800)) as browser:
            tab = await browser.open(serve.url)
            await serve.wait_for_async(r"控制台 1：.*登录界面")
            await tab.fill("R1", "0000", then="Enter")
            await serve.wait_for_async(r"控制台 1：R1 从")
            await asyncio.sleep(1.5)
            await tab.type("n")
            await asyncio.sleep(1.0)
            await tab.fill("13912345678", "王[b]小明", "1-1203", "r", "")
            await tab.type("厨房水管漏水，地面已有积水，请尽快派人。")
            await asyncio.sleep(FIELD_PAUSE)
            await tab.press("s", CTRL)
            await asyncio.sleep(1.5)
            await tab.type("n")
            await asyncio.sleep(1.0)
            await tab.fill("13700002222", "李[/x]芳", "2-1805", "c", "")
            await tab.type("楼上装修噪音，晚上十点后还在施工。")
            await asyncio.sleep(1.5)  # the cursor and the last repaint
            await tab.screenshot(out)
            await tab.close()
    finally:
        serve.stop()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "browser-console.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "demo.db"
        subprocess.run([sys.executable, "-m", "deskconsole", "--db", str(db_path), "init", "--demo-data"],
                       check=True, stdout=subprocess.DEVNULL)
        asyncio.run(shoot(db_path, out))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
