# Thin wrappers around ./quickstart, which holds the install logic (so a
# clean machine needs no make to get going).

.PHONY: deps run test clean

deps:
	./quickstart deps

run:
	./quickstart node

test:
	./quickstart test

clean:
	-umount -l sandbox/etc/pve 2>/dev/null
	rm -rf .venv _trial_temp _trial_temp.lock sandbox build dist *.egg-info
	find . -name __pycache__ -prune -exec rm -rf {} +
	find . -name dropin.cache -delete
