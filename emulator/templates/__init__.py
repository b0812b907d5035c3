"""Infrastructure as code: a template's functions, queues, triggers and routes, built in a local cloud.

Nobody creates a real application by clicking: they write a template. AWS SAM's ``template.yaml``
(:mod:`.sam`) declares functions with their events, queues and APIs; the local cloud builds what it
declares, so the same file runs here and deploys to AWS.
"""
