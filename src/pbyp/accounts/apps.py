from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pbyp.accounts"
    label = "accounts"
    verbose_name = "Accounts"
