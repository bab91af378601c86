"""The pages benchmark's floor: Streamlit itself showing one line, on the project's server configuration.

Measured side by side with the screens (`bench --workload pages --pages floor,...`), it is what any page
costs before its own work: the browser loading Streamlit's scripts, the session's websocket, one run.
A screen's figure less the floor's is the screen's own cost."""

import streamlit as st

st.set_page_config(page_title="Sneaker Market Analyzer", page_icon="👟", layout="wide")
st.title("Price a pair")
with st.container(border=True, key="decision"):
    st.markdown("## Sell now on StockX: you get $100.00")
