"""Streamlit-side helpers shared by the pages: state, figures, images, widgets, sidebar."""
