"""The Open Inference Protocol (KServe V2) in front of every inference deployment.

`protocol.py` parses and checks requests (JSON tensors and Triton's binary tensor extension),
`metadata.py` derives a model's declared inputs and outputs, `gateway.py` translates a request
into the backend's own call (through `deployments.services.inference`, the one path Try it
takes too) and the answer back, `views.py` serves it under `/api/v1/deployments/<id>/v2/`.
See docs/inference.md.
"""
