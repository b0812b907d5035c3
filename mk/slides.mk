# The lecture decks: reveal.js comes from the npm registry (checked against its published sha512)
# and is inlined into each deck, so the built HTML works offline.
REVEAL := slides/.npm/reveal.js-5.2.1.tgz
TEST_DEPS += $(REVEAL)

.PHONY: slides

$(REVEAL): | $(STAMP)
	$(BIN)/python slides/build.py --fetch

slides: venv $(REVEAL)
	$(BIN)/python slides/build.py
