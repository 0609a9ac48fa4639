"""The database role for the web and worker processes: everything on the portal's tables except
the audit trail, which it may only read and append to (issue 9). Run by the owner, on PostgreSQL,
after `migrate`; running it again updates the role and its grants."""

import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit.models import AuditLink, AuditRecord

AUDIT_TABLES = (AuditRecord._meta.db_table, AuditLink._meta.db_table)


class Command(BaseCommand):
    help = (
        "Create or update the application's database role: SELECT/INSERT/UPDATE/DELETE on every table of the schema "
        "except the audit tables (SELECT/INSERT only), USAGE/SELECT on sequences, the same for tables created later."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", nargs="?", default="indigo_app", help="the role's name (default indigo_app)")
        parser.add_argument("--password", help="its password (default: env DB_APP_PASSWORD; none: trust or peer auth)")

    def handle(self, *args, role: str, password: str | None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("db_roles is for PostgreSQL: SQLite has no roles")
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise CommandError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
        password = password or os.environ.get("DB_APP_PASSWORD") or None
        quote = connection.ops.quote_name
        name = quote(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_schema(), current_database(), current_user")
            schema, database, owner = (quote(value) for value in cursor.fetchone())
            if role == cursor.db.settings_dict.get("USER"):
                raise CommandError("the application's role must not be the owner running this command")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            # Client-side binding: the password is quoted as a literal, never pasted raw.
            cursor.execute(
                f"{verb} ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" + (" PASSWORD %s" if password else ""), [password] if password else []
            )
            statements = [
                f"GRANT CONNECT ON DATABASE {database} TO {name}",
                f"GRANT USAGE ON SCHEMA {schema} TO {name}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
                # Tables and sequences the owner creates later (migrations) get the same.
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {name}",
            ]
            for table in AUDIT_TABLES:
                # The audit trail: read and append only (its triggers refuse the rest to the owner too).
                statements.append(f"REVOKE ALL ON {schema}.{quote(table)} FROM {name}")
                statements.append(f"GRANT SELECT, INSERT ON {schema}.{quote(table)} TO {name}")
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"role {role} {'updated' if verb == 'ALTER' else 'created'}: read and write on the tables of {schema}, "
            f"read and append only on {', '.join(AUDIT_TABLES)}. Run again after a migration that adds an audit table."
        )
