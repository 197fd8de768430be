from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "suthra.api"
    label = "api"
    verbose_name = "JSON API"

    def ready(self) -> None:
        from suthra.accounts.services import register_access_end
        from suthra.api.services import tokens_revoke_all

        # Ending a user's access ends their API tokens too (a lost phone holds both).
        register_access_end(tokens_revoke_all)
