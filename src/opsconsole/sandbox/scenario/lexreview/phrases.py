"""What the BankingHelpDesk bot knows: intents, sample utterances, slots and replies (en_US, es_US).

The bot of workflow 3 (shared/domain.md): a bank's help desk on Amazon
Connect. Each intent has sample utterances per locale (``{Slot}`` marks a
slot), its slots and the reply it closes with. What customers actually say,
understood or not, is in :mod:`.lex_utterances`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOCALES = ("en_US", "es_US")


@dataclass(frozen=True)
class SlotSpec:
    name: str
    slot_type: str  # AMAZON.* or the name of a custom slot type of the locale
    prompt: dict[str, str]


@dataclass(frozen=True)
class IntentSpec:
    name: str
    description: str
    samples: dict[str, tuple[str, ...]]
    reply: dict[str, str]
    slots: tuple[SlotSpec, ...] = field(default=())


#: custom slot type -> locale -> value -> synonyms
SLOT_TYPES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "AccountType": {
        "en_US": {"checking": ("current account", "everyday account"), "savings": ("savings account",),
                  "credit card": ("card account", "visa")},
        "es_US": {"cheques": ("cuenta de cheques", "cuenta corriente"), "ahorros": ("cuenta de ahorros",),
                  "tarjeta de crédito": ("crédito", "visa")},
    },
    "CardType": {
        "en_US": {"debit": ("debit card", "atm card"), "credit": ("credit card", "visa", "mastercard")},
        "es_US": {"débito": ("tarjeta de débito",), "crédito": ("tarjeta de crédito", "visa")},
    },
    "LoanType": {
        "en_US": {"mortgage": ("home loan", "house loan"), "auto": ("car loan", "auto loan"),
                  "personal": ("personal loan",), "student": ("student loan",)},
        "es_US": {"hipotecario": ("hipoteca", "préstamo para casa"), "automotriz": ("préstamo para carro",),
                  "personal": ("préstamo personal",)},
    },
}

_ACCOUNT = SlotSpec("AccountType", "AccountType", {"en_US": "Which account: checking, savings or credit card?",
                                                   "es_US": "¿De qué cuenta: cheques, ahorros o tarjeta de crédito?"})

INTENTS: tuple[IntentSpec, ...] = (
    IntentSpec(
        "CheckBalance", "Tells the customer the balance of one of their accounts",
        {"en_US": ("What's my balance", "Check my account balance", "How much money do I have",
                   "What is the balance of my {AccountType} account", "How much is in my {AccountType}",
                   "Show me my balance", "Balance please", "Can you tell me my current balance",
                   "I want to know my balance"),
         "es_US": ("¿Cuál es mi saldo?", "Consultar mi saldo", "¿Cuánto dinero tengo?",
                   "¿Cuál es el saldo de mi cuenta de {AccountType}?", "Quiero saber mi saldo",
                   "Saldo por favor", "Dime cuánto tengo en {AccountType}")},
        {"en_US": "Your available balance is shown in the app and I've just sent it to you by text.",
         "es_US": "Le acabo de enviar su saldo disponible por mensaje de texto."},
        (_ACCOUNT,)),
    IntentSpec(
        "TransferFunds", "Moves money between the customer's own accounts",
        {"en_US": ("Transfer money", "I want to transfer {Amount} dollars to my {TargetAccount}",
                   "Move {Amount} from {SourceAccount} to {TargetAccount}", "Move money between my accounts",
                   "Make a transfer", "I need to move funds", "Transfer funds to savings",
                   "Send {Amount} to my {TargetAccount} account"),
         "es_US": ("Quiero hacer una transferencia", "Transferir dinero",
                   "Pasar {Amount} de {SourceAccount} a {TargetAccount}", "Mover dinero entre mis cuentas",
                   "Quiero transferir {Amount} dólares a {TargetAccount}", "Hacer un traspaso")},
        {"en_US": "Done. The transfer is on its way and will show in both accounts within a minute.",
         "es_US": "Listo. La transferencia ya está en camino y se verá en ambas cuentas en un minuto."},
        (SlotSpec("Amount", "AMAZON.Number", {"en_US": "How much would you like to transfer?",
                                              "es_US": "¿Cuánto desea transferir?"}),
         SlotSpec("SourceAccount", "AccountType", {"en_US": "From which account?", "es_US": "¿Desde qué cuenta?"}),
         SlotSpec("TargetAccount", "AccountType", {"en_US": "To which account?", "es_US": "¿A qué cuenta?"}))),
    IntentSpec(
        "ReportLostCard", "Blocks a lost or stolen card and orders a replacement",
        {"en_US": ("I lost my card", "My card was stolen", "Report a lost card", "I can't find my debit card",
                   "Block my card", "Freeze my card", "I lost my {CardType} card", "Someone stole my card",
                   "I need to cancel my card"),
         "es_US": ("Perdí mi tarjeta", "Me robaron la tarjeta", "Bloquear mi tarjeta", "Reportar tarjeta perdida",
                   "No encuentro mi tarjeta de {CardType}", "Quiero cancelar mi tarjeta")},
        {"en_US": "I've blocked the card. A replacement will arrive in 3 to 5 business days.",
         "es_US": "Ya bloqueé la tarjeta. La nueva le llegará en 3 a 5 días hábiles."},
        (SlotSpec("CardType", "CardType", {"en_US": "Is it your debit or your credit card?",
                                           "es_US": "¿Es su tarjeta de débito o de crédito?"}),)),
    IntentSpec(
        "OpenAccount", "Starts an application for a new account",
        {"en_US": ("Open a new account", "I want to open a {AccountType} account", "How do I open an account",
                   "Sign up for a checking account", "Start a savings account", "I'd like to become a customer",
                   "Open an account"),
         "es_US": ("Quiero abrir una cuenta", "Abrir una cuenta de {AccountType}", "¿Cómo abro una cuenta?",
                   "Quiero ser cliente", "Abrir cuenta nueva")},
        {"en_US": "I've texted you a secure link to start your application. It takes about ten minutes.",
         "es_US": "Le envié un enlace seguro para iniciar su solicitud. Toma unos diez minutos."},
        (_ACCOUNT,)),
    IntentSpec(
        "ResetPassword", "Resets the customer's online banking password",
        {"en_US": ("Reset my password", "I forgot my password", "I can't log in", "Unlock my online banking",
                   "Change my password", "My password doesn't work", "I'm locked out of my account"),
         "es_US": ("Olvidé mi contraseña", "Restablecer mi contraseña", "No puedo entrar a la banca en línea",
                   "Cambiar mi contraseña", "Mi cuenta está bloqueada")},
        {"en_US": "I've sent a reset link to the email we have on file. It expires in 30 minutes.",
         "es_US": "Le envié un enlace para restablecer la contraseña a su correo. Vence en 30 minutos."}),
    IntentSpec(
        "FindBranch", "Finds a branch or ATM and its opening hours",
        {"en_US": ("Where is the nearest branch", "Find a branch in {City}", "Branch hours",
                   "Is there an ATM near me", "What time does the branch close", "Is there a branch near {City}",
                   "Find an ATM"),
         "es_US": ("¿Dónde está la sucursal más cercana?", "Horario de la sucursal", "Buscar un cajero",
                   "¿A qué hora cierra el banco?", "Sucursal en {City}")},
        {"en_US": "The closest branch is open 9 to 5 on weekdays and 9 to 1 on Saturdays. I've sent you the address.",
         "es_US": "La sucursal más cercana abre de 9 a 5 entre semana y de 9 a 1 los sábados. Le envié la dirección."},
        (SlotSpec("City", "AMAZON.City", {"en_US": "In which city?", "es_US": "¿En qué ciudad?"}),)),
    IntentSpec(
        "LoanInquiry", "Answers questions about loans and mortgage rates",
        {"en_US": ("I want a loan", "What are your mortgage rates", "Apply for a personal loan",
                   "How much can I borrow", "I'm interested in a {LoanType} loan", "Car loan rates",
                   "Loan options"),
         "es_US": ("Quiero un préstamo", "¿Qué tasas tienen para hipotecas?", "Solicitar un préstamo personal",
                   "¿Cuánto me pueden prestar?", "Me interesa un préstamo {LoanType}")},
        {"en_US": "A loan specialist will call you within one business day. Today's rates are on our website.",
         "es_US": "Un especialista en préstamos le llamará en un día hábil. Las tasas de hoy están en nuestro sitio."},
        (SlotSpec("LoanType", "LoanType", {"en_US": "Which kind of loan: mortgage, auto, personal or student?",
                                           "es_US": "¿Qué tipo de préstamo: hipotecario, automotriz o personal?"}),)),
    IntentSpec(
        "DisputeCharge", "Opens a dispute for a card transaction",
        {"en_US": ("I want to dispute a charge", "There's a charge I don't recognize", "I was charged twice",
                   "Report a fraudulent transaction", "Dispute a transaction", "Wrong charge on my card",
                   "I didn't make this purchase"),
         "es_US": ("Quiero disputar un cargo", "Hay un cargo que no reconozco", "Me cobraron dos veces",
                   "Reportar un cargo fraudulento", "Yo no hice esa compra")},
        {"en_US": "I've opened a dispute. You'll get a temporary credit while we investigate.",
         "es_US": "Abrí una disputa. Recibirá un crédito temporal mientras investigamos."}),
    IntentSpec(
        "SpeakToAgent", "Hands the conversation to a human agent",
        {"en_US": ("Speak to an agent", "Talk to a person", "Representative", "I want a human",
                   "Connect me to customer service", "Can I talk to someone", "Agent please"),
         "es_US": ("Hablar con un agente", "Quiero hablar con una persona", "Representante",
                   "Comunícame con servicio al cliente", "Agente por favor")},
        {"en_US": "Sure, I'm connecting you with an agent now.",
         "es_US": "Claro, le comunico con un agente ahora mismo."}),
)

#: what the bot says when a conversation starts, when it falls back, and when it hands over
GREETING = {"en_US": "Hi, thanks for calling First Harbor Bank. How can I help you today?",
            "es_US": "Hola, gracias por comunicarse con First Harbor Bank. ¿En qué le puedo ayudar?"}
FALLBACK = {"en_US": ("Sorry, I didn't get that. You can ask about balances, transfers, cards, accounts, "
                      "passwords, branches, loans or a charge.",
                      "I'm still not sure what you need. Could you say it another way?"),
            "es_US": ("Perdón, no le entendí. Puede preguntar por saldos, transferencias, tarjetas, cuentas, "
                      "contraseñas, sucursales, préstamos o un cargo.",
                      "Sigo sin entender qué necesita. ¿Lo puede decir de otra forma?")}
HANDOFF = {"en_US": "Let me connect you with an agent who can help.",
           "es_US": "Le comunico con un agente que le puede ayudar."}
VOICES = {"en_US": "Danielle", "es_US": "Lupe"}
