print("subflowd")
