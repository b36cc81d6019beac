"""The five panes, in the order of their keys 1 to 5."""
from .calls_pane import CallsPane
from .frontdesk_pane import FrontDeskPane
from .keys_pane import KeysPane
from .log_pane import LogPane
from .orders_pane import OrdersPane
from .pane import Pane

PANES = (CallsPane, OrdersPane, LogPane, KeysPane, FrontDeskPane)
__all__ = ["PANES", "Pane", "CallsPane", "OrdersPane", "LogPane", "KeysPane", "FrontDeskPane"]
