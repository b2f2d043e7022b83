"""The daily consultation (每日会商): forecasts and observations checked, decided, recorded, told."""
