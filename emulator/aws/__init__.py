"""Where the local cloud meets moto, botocore and other AWS servers.

moto answers the AWS APIs in this process; these modules adjust what it does and what boto3 sends:

- :mod:`.interception`: answering a request in-process, just before botocore would send it;
- :mod:`.sqs_checks`: refusing the SQS requests that SQS refuses and moto accepts;
- :mod:`.eventbridge_checks`: likewise for EventBridge rules and Scheduler schedules;
- :mod:`.sessions`: boto3's default session renewed for each cloud, its models read once;
- :mod:`.moto_patches`: small patches that keep moto fast at depth and on a clock that stands still;
- :mod:`.moto_state`: moto's data set aside for a block (a check's cloud inside a notebook's);
- :mod:`.endpoint`: pointing the kit at another server instead (LocalStack, a moto server);
- :mod:`.leftovers`: what this process created on such a server, removed when the cloud stops.
"""
