print("subflow-traffic")
