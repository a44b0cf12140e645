"""CALB SizingTool - Streamlit entry point.

Run with:  streamlit run app.py --server.port $PORT
"""

import streamlit as st

from calb_sizing.ui.diagram_inputs import render_dc_blocks
from calb_sizing.ui.results import render_results

st.set_page_config(page_title="CALB SizingTool", layout="wide")

DEFAULTS = {
    "project_name": "",
    "poi_power_mw": 100.0,
    "poi_energy_mwh": 400.0,
    "duration_h": 4.0,
    "dc_block_model": "CALB L173F-20ft",
}


def init_state() -> None:
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def main() -> None:
    init_state()
    st.title("CALB ESS Sizing Tool")
    with st.sidebar:
        st.text_input("Project name", key="project_name")
        st.number_input("POI power (MW)", key="poi_power_mw", min_value=0.0)
        st.number_input("POI energy (MWh)", key="poi_energy_mwh", min_value=0.0)
    tab_inputs, tab_results = st.tabs(["Diagram inputs", "Results"])
    with tab_inputs:
        render_dc_blocks(st.session_state)
    with tab_results:
        render_results(st.session_state)


main()
