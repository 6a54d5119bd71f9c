# Gongzhi: `make demo` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install demo demo-data serve test test-browser test-pg lint bench-import clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo-data: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py load_demo

# The tickets' job (new-ticket notices, SLA escalation) runs beside the server and stops with it.
demo: demo-data
	@$(BIN)/python manage.py run_sla --loop 30 >/dev/null & job=$$!; trap 'kill $$job 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

test: install
	$(BIN)/python -m pytest -q

# Browser journeys in Debian's /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk).
test-browser: install
	$(BIN)/python -m pytest -q -m browser

lint: install
	$(BIN)/ruff check gongzhi config bench

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
