"""Home: what an autoencoder is, and the eight variants, each one click from training."""

import streamlit as st

from core.models import MODELS
from ui import keys, through_app
from ui.i18n import t
from ui.kit import diagrams

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("home.title"))
st.markdown(t("home.what"))
st.caption(t("home.how"))
left, right = st.columns(2)
left.page_link("pages/lessons.py", label=t("home.start_lessons"), icon=":material/school:")
right.page_link("pages/train.py", label=t("home.start_train"), icon=":material/model_training:")

# One container per variant, in order: on a narrow screen they stack 1, 2, 3, ... (two
# columns filled one after the other would stack as 1, 3, 5, ..., 2, 4, ...).
for index, name in enumerate(MODELS):
    if index % 2 == 0:
        row = st.columns(2)
    with row[index % 2].container(border=True):
        st.subheader(f"{index + 1}. {t(f'variants.{name}.title')}")
        st.write(t(f"variants.{name}.what"))
        st.caption(t("home.use_for", when=t(f"variants.{name}.when")))
        diagrams.show(name)
        if st.button(
            t("home.train_button", variant=t(f"variants.{name}.name")),
            key=f"home.train.{name}",
            icon=":material/play_arrow:",
        ):
            st.session_state[keys.TRAIN_VARIANT] = name
            st.switch_page("pages/train.py")
