from .handover import *  # noqa: F401,F403  (a first step: the module moves, then splits)
