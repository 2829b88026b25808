"""Lobby: the conversation, the web app and the CLI of the bank-branch digital human.

`assistant` is the only package that imports the other four (`knowledge`, `speech`, `avatar`,
`integrations`); none of them imports it.
"""

__version__ = "0.1.0"
