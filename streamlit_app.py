"""The dashboard's frame: navigation, sidebar settings and the sandbox badge. Pages do the rest."""

from __future__ import annotations

import streamlit as st

from pages.common import sidebar

st.set_page_config(page_title="Sneaker Market Analyzer", page_icon=":material/steps:", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/lookup.py", title="Lookup", icon=":material/search:", default=True),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("pages/performance.py", title="Performance", icon=":material/speed:"),
    ]
)
sidebar()
navigation.run()
