// Package auth owns users (用户), password login, sessions (会话), API tokens
// (接口令牌) for system integrations, and roles (角色).
//
// Every user belongs to exactly one organisation (组织机构) and has one role;
// the role must fit the organisation's kind (a bank's users are "finance", an
// agency's are "regulator", …). Passwords are stored as argon2id hashes;
// session and API-token secrets are stored only as SHA-256 hashes, so a copy
// of the database does not let anyone log in. An API token is shown once, when
// it is created.
package auth
