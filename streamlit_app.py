"""The dashboard's frame: sign-in, navigation, sidebar settings and the sandbox badge. Pages do the rest."""

from __future__ import annotations

import streamlit as st

from analyzer.store.db import UNREACHABLE
from pages.common import frame, page_style, sidebar, sign_in_screen, signed_in

# An emoji icon is drawn by the browser itself: the tab's icon needs no internet.
st.set_page_config(page_title="Sneaker Market Analyzer", page_icon="👟", layout="wide")

SCREENS = [  # (script, title, icon); the first is the default
    ("pages/lookup.py", "Lookup", ":material/search:"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/watchlist.py", "Watchlist", ":material/visibility:"),
    ("pages/portfolio.py", "Portfolio", ":material/inventory_2:"),
    ("pages/performance.py", "Performance", ":material/speed:"),
]

if not signed_in():  # accounts are on and nobody is signed in: the sign-in screen at every address, and nothing else
    st.navigation([st.Page(sign_in_screen, title="Sign in", icon=":material/login:", default=True)]
                  + [st.Page(sign_in_screen, title="Sign in", url_path=script.split("/")[-1].removesuffix(".py"))
                     for script, _, _ in SCREENS[1:]], position="hidden").run()
    st.stop()

navigation = st.navigation([st.Page(script, title=title, icon=icon, default=index == 0)
                            for index, (script, title, icon) in enumerate(SCREENS)])
page_style()
sidebar()
frame(running=True)
try:
    navigation.run()
except UNREACHABLE:  # the database is down or silent: say so, never a traceback; prices need no store
    st.warning("The store is unreachable right now: your watchlist, portfolio and figures wait for it. "
               "Prices still work: Lookup and Compare ask the markets as usual.", icon=":material/cloud_off:")
finally:
    frame(running=False)
