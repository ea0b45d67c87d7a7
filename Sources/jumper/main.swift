print("jumper")
