print("bench app")
