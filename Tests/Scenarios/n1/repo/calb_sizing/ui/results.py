"""Results tab: totals derived from the DC block table."""

import streamlit as st


def render_results(state) -> None:
    blocks = state.get("dc_blocks")
    if blocks is None or len(blocks) == 0:
        st.info("Fill in the diagram inputs first.")
        return
    total = float(blocks["energy_mwh"].sum())
    st.metric("Installed DC energy (MWh)", f"{total:.1f}")
    st.metric("POI energy (MWh)", f"{state.get('poi_energy_mwh', 0):.1f}")
