"""The response network (应急响应网络): member units, counties and townships, what each must do at
each level (the responsibility matrix), and which list items each answers for."""
