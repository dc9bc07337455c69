# Leadmarket: `make demo` serves a seeded demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# Front-end libraries (htmx, Chart.js) from npm into the git-ignored node_modules/,
# served by Django staticfiles; re-installed when package-lock.json changes.
NODE_STAMP := node_modules/.installed-$(shell sha1sum package-lock.json | cut -c1-12)
# Translations: the .po files are committed, the .mo files are compiled here (pure Python, Babel).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

.PHONY: install demo test lint format bench-smoke clean messages chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "make install needs Node.js and npm (Debian: apt-get install -y nodejs npm)." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-*
	touch $(NODE_STAMP)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(STAMP)
	$(BIN)/pybabel --quiet compile --domain=django --input-file=$< --output-file=$@

install: $(STAMP) $(NODE_STAMP) $(MO_FILES)

# After changing strings: extract them into the .po files (needs GNU gettext), translate,
# then `make install` compiles them.
messages: install
	$(BIN)/python manage.py makemessages -l ru -l ro -l pl --no-obsolete --ignore=.venv --ignore=node_modules --ignore=build --ignore=tests

demo: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Browser tests drive Debian's Chromium; install it when missing and allowed (root with apt),
# else they are skipped with a loud notice.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && { apt-get update -q && apt-get install -y -q chromium; } >/dev/null || echo "!! chromium is not installed: the browser tests will be SKIPPED (apt-get install -y chromium)." >&2; }

test: install lint chromium
	$(BIN)/python scripts/run_tests.py $(PYTEST_ARGS)

bench-smoke: install
	$(BIN)/python bench/intake.py --smoke

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache staticfiles node_modules
