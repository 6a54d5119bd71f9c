# Gongzhi: `make demo` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

# The demo's own keys (SECRET_KEY, personal-data keys), made once in var/demo.env; a production server
# is given its keys in its environment (docs/operations.md).
DEMO_ENV := var/demo.env
MANAGE   = set -a && . ./$(DEMO_ENV) && set +a && $(BIN)/python manage.py

.PHONY: install demo demo-data serve test test-browser test-pg lint bench-import clean fuzz-api

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

$(DEMO_ENV):
	mkdir -p var && umask 077 && $(PYTHON) -c 'import base64, secrets; t = secrets.token_urlsafe; \
	print(f"SECRET_KEY={t(50)}\nGONGZHI_DATA_KEYS=demo1:{base64.b64encode(secrets.token_bytes(32)).decode()}\nGONGZHI_INDEX_KEY={t(32)}")' > $@

demo-data: install $(DEMO_ENV)
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) collectstatic --noinput -v0
	export GONGZHI_DEMO=1 && $(MANAGE) load_demo --port $(PORT) --host $(HOST)

# The tickets' job (new-ticket notices, SLA escalation) runs beside the server and stops with it.
demo: demo-data
	@$(MANAGE) run_sla --loop 30 >/dev/null & job=$$!; trap 'kill $$job 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

test: install
	$(BIN)/python -m pytest -q

# The suite on PostgreSQL (CI runs both): PG_URL names a database the tests may create test_<name> beside.
PG_URL ?= postgres://postgres@127.0.0.1:5432/gongzhi
test-pg: install
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/python -m pytest -q

# Browser journeys in Debian's /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk).
test-browser: install
	$(BIN)/python -m pytest -q -m browser

# Schemathesis over the whole API against gunicorn on FUZZ_PORT (8082), anonymous and with a staff token.
fuzz-api: install
	.ci/fuzz_api

lint: install
	$(BIN)/ruff check gongzhi config bench

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
