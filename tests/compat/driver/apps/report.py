"""The application the compat drivers launch: prints its arguments and SmartSim environment as
one JSON line, and, when a database is given (SSDB), stores a tensor and reads it back."""

import json
import os
import sys

report = {"argv": sys.argv[1:], "env": {k: v for k, v in os.environ.items()
                                         if k.startswith(("SSDB", "SR_DB_TYPE", "SSKEY", "MY_"))}}
if os.environ.get("SSDB"):
    import numpy as np
    from insitu import Client

    client = Client(cluster=os.environ.get("SR_DB_TYPE") == "Clustered", logger_name="report")
    client.use_tensor_ensemble_prefix(False)
    name = os.environ.get("SSKEYOUT", "app") + "_data"
    client.put_tensor(name, np.arange(4, dtype=np.float64))
    report["tensor"] = client.get_tensor(name).tolist()
    report["key"] = name
print("REPORT " + json.dumps(report), flush=True)
