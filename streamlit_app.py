"""The dashboard's frame: navigation, sidebar settings and the sandbox badge. Pages do the rest."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.common import frame, page_style, sidebar, sign_in_screen, signed_in

# An emoji icon is drawn by the browser itself: the tab's icon needs no internet.
st.set_page_config(page_title="Sneaker Market Analyzer", page_icon="👟", layout="wide")

if not signed_in():  # accounts are on and nobody is signed in: the sign-in screen and nothing else
    st.navigation([st.Page(sign_in_screen, title="Sign in", icon=":material/login:")]).run()
    st.stop()

pages = [
    st.Page("pages/lookup.py", title="Lookup", icon=":material/search:", default=True),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/performance.py", title="Performance", icon=":material/speed:"),
]
# The store helper's pages join the menu as soon as they exist.
for script, title, icon in (("pages/watchlist.py", "Watchlist", ":material/visibility:"),
                            ("pages/portfolio.py", "Portfolio", ":material/inventory_2:")):
    if (Path(__file__).parent / script).is_file():
        pages.insert(-1, st.Page(script, title=title, icon=icon))

navigation = st.navigation(pages)
page_style()
sidebar()
frame(running=True)
try:
    navigation.run()
finally:
    frame(running=False)
