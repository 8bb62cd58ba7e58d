"""Home: what an autoencoder is, and the eight variants, each one click from training."""

import streamlit as st

from core.models import MODELS
from ui.texts import AUTOENCODER, variant_text

st.title("Autoencoder explorer")
st.markdown(AUTOENCODER)
st.caption("Pick a variant, press Train, and watch it learn. Every page works on the active run "
           "chosen in the sidebar.")

columns = st.columns(2)
for index, (name, cls) in enumerate(MODELS.items()):
    what, when = variant_text(name)
    with columns[index % 2].container(border=True):
        st.subheader(f"{index + 1}. {cls.title}")
        st.write(what)
        if when:
            st.caption(f"Use it for: {when}")
        if st.button(f"Train {cls.title.lower()}", key=f"home.train.{name}",
                     icon=":material/play_arrow:"):
            st.session_state["train_variant"] = name
            st.switch_page("pages/train.py")
