"""A team repo from the pack: starter files (`starter`), a commented ohcheck.yaml (`team_init`), a whole repo
as a team would have it at some challenge (`repo_builder`), and the two commands built on it, `ohcheck demo`
(`demo`) and `ohcheck selftest` (`selftest`)."""
