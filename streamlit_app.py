"""The dashboard's frame: sign-in, navigation, sidebar settings and the sandbox badge. Screens do the rest."""

from __future__ import annotations

import streamlit as st

from analyzer.store.db import UNREACHABLE
from ui.controls import page_style, sidebar, sign_in_screen, signed_in

# An emoji icon is drawn by the browser itself: the tab's icon needs no internet.
st.set_page_config(page_title="Sneaker Market Analyzer", page_icon="👟", layout="wide")

SECTIONS = {  # section: (script, title, icon); the first screen is the default
    "Prices": [("ui/screens/lookup.py", "Lookup", ":material/search:"),
               ("ui/screens/compare.py", "Compare", ":material/compare_arrows:")],
    "Yours": [("ui/screens/watchlist.py", "Watchlist", ":material/visibility:"),
              ("ui/screens/portfolio.py", "Portfolio", ":material/inventory_2:"),
              ("ui/screens/listings.py", "Listings", ":material/sell:")],
    "Service": [("ui/screens/performance.py", "Performance", ":material/speed:")],
}
SCREENS = [screen for screens in SECTIONS.values() for screen in screens]


def url_path(script: str) -> str:
    return script.rsplit("/", 1)[-1].removesuffix(".py")


if not signed_in():  # accounts are on and nobody is signed in: the sign-in screen at every address, and nothing else
    st.navigation([st.Page(sign_in_screen, title="Sign in", icon=":material/login:", default=True)]
                  + [st.Page(sign_in_screen, title="Sign in", url_path=url_path(script)) for script, _, _ in SCREENS[1:]],
                  position="hidden").run()
    st.stop()

navigation = st.navigation({section: [st.Page(script, title=title, icon=icon, default=script == SCREENS[0][0])
                                      for script, title, icon in screens]
                            for section, screens in SECTIONS.items()})
page_style()
sidebar()
try:
    navigation.run()
except UNREACHABLE:  # the database is down or silent: say so, never a traceback; prices need no store
    st.warning("The store is unreachable right now: your watchlist, portfolio and figures wait for it. "
               "Prices still work: Lookup and Compare ask the markets as usual.", icon=":material/cloud_off:")
