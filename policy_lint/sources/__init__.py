"""Sources: each turns one input format into the shared :class:`~policy_lint.inventory.model.Inventory`.

A source knows its format and nothing about checks. The contract every source keeps:

* **Entry point.** ``load(files: Sequence[Path], inventory: Inventory, *, region: str | None = None,
  account_id: str | None = None, roots: Sequence[str | Path] | None = None, alongside: bool = False)
  -> None``
  appends resources to the inventory lists, its name to ``inventory.sources``, and anything it
  could not read to ``inventory.problems`` as a located :class:`~policy_lint.core.findings.Finding`
  (rule ``PL001`` for syntax errors, ``IN001`` for an input that parses but cannot be
  understood, see :mod:`policy_lint.sources.problems`). It never raises on bad input.
  ``region`` is the region assumed for resources whose region the input cannot say (a
  CloudFormation stack, a Terraform provider without a literal region); ``account_id`` likewise
  fills ``AWS::AccountId`` / ``data.aws_caller_identity.*.account_id``. Without them those values
  stay symbolic (``${AWS::Region}``) or Unknown. ``roots`` are the folders being checked: a
  source that reads other files than ``files`` (Terraform's ``file()``, local modules) reads
  only inside them (:mod:`policy_lint.sources.scanned`). ``roots`` and ``alongside`` (inputs
  of another source are checked too) also decide whether addresses need qualifying.
* **Origins.** Every resource gets ``Origin(source, address, path, line, col)``: ``address`` is
  the Terraform address (``aws_cloudtrail.audit``, ``module.x.aws_sqs_queue.q["a"]``) or the
  CloudFormation logical ID; ``attribute_origins`` points attributes a rule may blame
  (``kms_key_id``, ``policy``, ``fifo``, ``notifications``, ``encryption``) at their own line.
  The source also records what linking needs, so no rule asks which source it was:
  ``symbol_scope``, where its ``${...}`` references mean one thing (one template; one Terraform
  root module with the local modules it calls; None for live input, whose values are literal),
  ``region_scope``, what decides the region of the resources that share it (the stack; one
  provider configuration), ``observed`` (read from the account, not declared in code), and
  ``root``: the configuration (Terraform root module, template, plan) that qualifies the address
  when several are checked at once, so no two resources share a name in a report
  (:mod:`policy_lint.sources.configurations`).
* **Unknown, never a guess.** A value the input does not fix (computed at apply time, a
  variable without default, a ``count`` that is not literal) is ``Unknown(reason)``. An
  attribute the input simply does not set takes the AWS default (a bucket without encryption
  configuration is SSE-S3, a queue without ``fifo_queue`` is standard).
* **Symbolic references.** A reference that cannot be resolved to a literal is kept as the text
  ``${<expression>}`` so rules can still link resources by equality:
  Terraform ``aws_sqs_queue.logs.arn`` -> ``${aws_sqs_queue.logs.arn}``; CloudFormation
  ``!GetAtt LogQueue.Arn`` -> ``${LogQueue.Arn}``, ``!Ref LogQueue`` -> ``${LogQueue}``.
  The referenced resource stores the *same* text in its own field (``Queue.arn``,
  ``Bucket.name``), so ``notification.queue_arn == queue.arn`` holds. A bucket whose name is
  not literal has ``name == "${aws_s3_bucket.x.id}"`` (CFN: ``${LogicalId}``).
* **ARNs and the partition** are built by :mod:`policy_lint.catalog.arn_builder`, the same way for
  every source. The partition comes from the region alone (``region`` above, or the input's
  own): without a known region it is not known either, never a guessed ``aws``. An ARN whose
  parts are all literal is literal (``arn:{partition}:sqs:{region}:{account}:{name}``); else an
  IAM, queue or trail ARN is the resource's own symbol (``${aws_sqs_queue.q.arn}``,
  ``${Queue.Arn}``), and a bucket's ARN (``Bucket.arn``) keeps its symbolic parts:
  ``arn:${data.aws_partition.current.partition}:s3:::${aws_s3_bucket.x.id}`` in Terraform,
  ``arn:${AWS::Partition}:s3:::${LogicalId}`` in CloudFormation.
* **Attachments are resolved by the source.** A queue policy, bucket notification, encryption
  configuration or policy attachment declared as a separate resource is folded into the
  resource it targets (``Queue.policy``, ``Bucket.notifications``, ``IamUser.attached_policies``).
  AWS managed policies are attached as ``PolicyRef(name, arn, document=None)``; checks look the
  document up in the bundled snapshot (:mod:`policy_lint.reference.managed`).
* **Policy documents** are plain ``dict`` values as IAM would store them (``jsonencode``,
  ``aws_iam_policy_document``, ``file()``, CloudFormation ``PolicyDocument`` after intrinsics).
  A part the source cannot read (a source document, statements over a collection not known)
  is never dropped: it is an ``Unknown`` saying "incomplete: <part>" where its statements would
  be (:mod:`policy_lint.inventory.incomplete`).
"""
