"""Diagram inputs: the DC block table that feeds the single-line diagram."""

import pandas as pd
import streamlit as st

TABLE_KEY = "diagram_inputs.dc_blocks_table"

COLUMNS = ["block_id", "model", "racks", "energy_mwh", "pcs_id"]


def default_blocks(n_blocks: int, model: str) -> pd.DataFrame:
    rows = []
    for i in range(n_blocks):
        rows.append(
            {
                "block_id": f"DC-{i + 1:02d}",
                "model": model,
                "racks": 12,
                "energy_mwh": 5.015,
                "pcs_id": f"PCS-{i // 2 + 1:02d}",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def blocks_needed(state) -> int:
    energy = float(state.get("poi_energy_mwh", 0.0))
    per_block = 5.015
    return max(1, int(-(-energy // per_block)))


def _sync_from_sizing(state) -> pd.DataFrame:
    n = blocks_needed(state)
    current = state.get("dc_blocks")
    if current is None or len(current) != n:
        current = default_blocks(n, state.get("dc_block_model", ""))
        state["dc_blocks"] = current
    return current


def render_dc_blocks(state) -> None:
    st.subheader("DC blocks")
    blocks = _sync_from_sizing(state)
    st.caption(f"{len(blocks)} DC blocks for {state.get('poi_energy_mwh', 0)} MWh at POI")

    # BUG (N1 journal, StreamlitValueAssignmentNotAllowedError): the table is
    # re-seeded through st.session_state under the widget's own key, which
    # Streamlit forbids for data_editor. Keep the data in "dc_blocks" only.
    if st.button("Reset table"):
        state[TABLE_KEY] = default_blocks(len(blocks), state.get("dc_block_model", ""))

    column_config = {
        "block_id": st.column_config.TextColumn("Block", disabled=True),
        "racks": st.column_config.NumberColumn("Racks", min_value=1, max_value=16),
        "energy_mwh": st.column_config.NumberColumn("Energy (MWh)", format="%.3f"),
    }

    edited = st.data_editor(
        blocks,
        key=TABLE_KEY,
        column_config=column_config,
        num_rows="fixed",
        use_container_width=True,
    )
    state["dc_blocks"] = edited
