"""Sign-in through OpenID Connect, roles from claims, personal API tokens, permissions.

One small module per job: `provider` (settings and discovery), `claims` (claims → roles),
`backend` (users from claims), `views` (login, callback, logout pages), `middleware`
(session refresh), `tokens` (personal API tokens), `drf` (API authentication),
`permissions` (who may curate what), `audit` (the audit log).
"""
