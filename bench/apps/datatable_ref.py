"""The reference the issue compares with: a plain DataTable of call-like rows whose countdown cells
are updated every second (to the second, as a naive pane would), through DataTable.update_cell."""
from datetime import datetime, timedelta, timezone

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

TEXTS = ["厨房水龙头漏水", "Air conditioner drips on the balcony", "楼上装修噪音太大", "电梯困人",
         "Please ask the manager to call back", "门锁坏了打不开"]


class DataTableRef(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self.start = datetime.now(timezone.utc)
        table.add_column("Time", key="time")
        table.add_column("Unit", key="unit")
        table.add_column("Category", key="cat")
        table.add_column("What was said", key="text")
        table.add_column("Due", key="due")
        self.due = {}
        for i in range(200):
            key = str(i)
            self.due[key] = self.start + timedelta(minutes=5 + 7 * i)
            table.add_row(f"11-24 {i % 24:02d}:{i % 60:02d}", f"1-{i % 18 + 1}{i % 8 + 1:02d}", "repair",
                          TEXTS[i % len(TEXTS)], self.left(key, self.start), key=key)
        table.focus()
        self.set_interval(1.0, self.tick)

    def left(self, key, now) -> str:
        s = int((self.due[key] - now).total_seconds())
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"

    def tick(self) -> None:
        table = self.query_one(DataTable)
        now = datetime.now(timezone.utc)
        for key in self.due:
            table.update_cell(key, "due", self.left(key, now))


if __name__ == "__main__":
    DataTableRef().run()
