"""The live source: read an AWS account through boto3 into the shared inventory.

Only ``policy-lint verify`` imports this package, so ``policy-lint lint`` never pays
for boto3. Every session it builds refuses non-read operations before a request is
sent (:mod:`policy_lint.live.session`); every failed call becomes an ``Unknown`` that
names the missing permission (:mod:`policy_lint.live.api`); every answer is checked against
botocore's model before it is read (:mod:`policy_lint.live.shapes`); one deadline bounds the
run and Ctrl-C ends it at once (:mod:`policy_lint.live.deadline`).
"""
