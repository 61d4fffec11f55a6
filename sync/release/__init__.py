"""The regency's release tooling, in a room of its own (issue 88): not the sync link, whose modules sit
beside this package in sync/. The names say who is in the room with what:

- `candidate_*` run or touch a stranger's code, the release candidate not yet trusted:
  `candidate_build` (`release build`: gathers the wheels, installs and checks the candidate, every
  process of it in the sandbox), `candidate_sandbox` (bubblewrap, the Bridge to the relay), `candidate_relay` (runs
  inside the sandbox, `python -I -S`), `candidate_walk` (the trusted walk of a candidate over HTTP;
  the office's own update check uses it too).
- `key_*` may open a key: `key_signing` (the release keys: root, targets, the center's online key;
  the signed metadata every PC reads), `key_checker` (this machine's checker key, which signs the
  walk record), `key_sign_checked` (`release sign` of a checked folder: runs no candidate code, imports
  no `candidate_*` module, and opens only the targets key after comparing every file with the wheel the
  admin holds), `key_search` (finds key copies a candidate could reach; it reads files, signs
  nothing).
- `dependency_lock` reads the office lock (the versions CI tested), `release_wheel` what the admin's
  release wheel says of itself: neither.

No `candidate_*` module runs while a key is in reach: `candidate_build.build` refuses a key copy it
finds first (key_search), and the candidate never runs outside its sandbox."""
